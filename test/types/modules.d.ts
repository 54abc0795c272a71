/**
 * Types for the test-only packages that ship none where TypeScript looks for them.
 */

// postman-collection ships its declarations (one ambient `declare module`) in types/, but its
// package.json does not point at them. (An ambient declaration: there is nothing to import.)
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../node_modules/postman-collection/types/index.d.ts" />

declare module 'har-schema' {
  /** The HAR 1.2 JSON schemas, one per object kind (har, log, entry, ...), by that name. */
  const schemas: Record<string, object>;
  export default schemas;
}

declare module 'postman-collection' {
  interface ItemGroup {
    /**
     * Calls back with every request item, folders walked depth first. It is in the library (and
     * what Postman's own runner uses) but marked private, so its declarations leave it out.
     */
    forEachItem(callback: (item: Item, parent: ItemGroup) => void): void;
  }
}

declare module '@usebruno/lang' {
  const lang: {
    /** Bruno's .bru parser (v2/src/bruToJson.js): throws on text that does not parse. */
    bruToJsonV2(bru: string): any;
  };
  export default lang;
}
