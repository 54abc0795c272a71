/**
 * Payload bytes a connection may still keep (WEBSOCKET_LIMITS.keepConnectionBytes), shared by its
 * two directions: what the parser hands out is stored, so it is bounded per connection, not only
 * per message.
 */
export class KeepBudget {
  constructor(private left: number) {}

  get remaining(): number {
    return this.left;
  }

  spend(bytes: number): void {
    this.left = Math.max(0, this.left - bytes);
  }
}
