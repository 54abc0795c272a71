/** Pages of the Connections view: every flow (HTTP or not) by start time, read a page at a time. */
import type { FlowSummary } from '../session/session.js';
import type { PageSource } from './list-window.js';
import type { SessionQueries } from '../session/session-queries.js';

export class FlowPages implements PageSource<FlowSummary> {
  constructor(private readonly queries: SessionQueries) {}

  id(row: FlowSummary): string {
    return String(row.id);
  }

  first(limit: number): FlowSummary[] {
    return this.queries.flowsFrom(null, true, false, limit);
  }

  last(limit: number): FlowSummary[] {
    return this.queries.flowsFrom(null, false, false, limit).reverse();
  }

  after(anchor: FlowSummary, limit: number): FlowSummary[] {
    return this.queries.flowsFrom(anchor, true, false, limit);
  }

  from(anchor: FlowSummary, limit: number): FlowSummary[] {
    return this.queries.flowsFrom(anchor, true, true, limit);
  }

  before(anchor: FlowSummary, limit: number): FlowSummary[] {
    return this.queries.flowsFrom(anchor, false, false, limit).reverse();
  }
}
