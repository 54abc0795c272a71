/**
 * Stands in for react-devtools-core in the bundled UI (dist/tui/run-tui.bundle.js): ink imports
 * it only when DEV=true, to talk to React DevTools, and tinytap does not ship it.
 */
export default {
  initialize(): void {},
  connectToDevTools(): void {},
};
