/**
 * The rows a list view holds: a window of a few screens around the viewport, fetched page by
 * page from a PageSource (keyset pagination: every fetch is "the rows just after/before this
 * one"), never the whole list. The selection is a row of the window, kept by identity when the
 * list is re-read (a live session grew, the sort changed), not by position.
 */

export interface PageSource<R> {
  /** The first `limit` rows, in display order. */
  first(limit: number): R[];
  /** The last `limit` rows, in display order. */
  last(limit: number): R[];
  /** Up to `limit` rows following `anchor`, in display order. */
  after(anchor: R, limit: number): R[];
  /** Up to `limit` rows just before `anchor`, in display order (the nearest last). */
  before(anchor: R, limit: number): R[];
  /** `anchor` itself, if it is still in the list, then the rows following it. */
  from(anchor: R, limit: number): R[];
  /** A stable identity of a row. */
  id(row: R): string;
  /** Whether `other` holds the same rows (in another order, say): then a selection carries over. */
  sameRows?(other: PageSource<R>): boolean;
}

export interface WindowView<R> {
  /** The rows on screen. */
  visible: R[];
  /** Index of the selected row in `visible`, -1 if the list is empty. */
  selectedIndex: number;
  selected: R | null;
  /** Rows exist above / below the window that are not loaded. */
  moreBefore: boolean;
  moreAfter: boolean;
  atStart: boolean;
  atEnd: boolean;
}

export class ListWindow<R> {
  private rows: R[] = [];
  private sel = 0;
  private top = 0;
  private moreBefore = false;
  private moreAfter = false;

  constructor(
    private source: PageSource<R>,
    private height: number,
  ) {
    this.height = Math.max(1, height);
  }

  /** How many rows one fetch asks for. */
  private get page(): number {
    return Math.max(this.height, 16);
  }

  /** The window never holds more than this: memory does not grow with scrolling. */
  private get maxRows(): number {
    return this.height * 4 + 64;
  }

  view(): WindowView<R> {
    const visible = this.rows.slice(this.top, this.top + this.height);
    const has = this.sel < this.rows.length;
    const selected = has ? this.rows[this.sel] : null;
    return {
      visible,
      selectedIndex: has ? this.sel - this.top : -1,
      selected,
      moreBefore: this.moreBefore,
      moreAfter: this.moreAfter,
      atStart: !this.moreBefore && this.sel === 0,
      atEnd: !this.moreAfter && this.sel === this.rows.length - 1,
    };
  }

  /** Load the first screen. */
  load(): void {
    const limit = this.height + this.page;
    this.rows = this.source.first(limit);
    this.sel = 0;
    this.top = 0;
    this.moreBefore = false;
    this.moreAfter = this.rows.length >= limit;
  }

  home(): void {
    this.load();
  }

  end(): void {
    const limit = this.height + this.page;
    this.rows = this.source.last(limit);
    this.sel = Math.max(0, this.rows.length - 1);
    this.top = Math.max(0, this.rows.length - this.height);
    this.moreAfter = false;
    this.moreBefore = this.rows.length >= limit;
  }

  /** Move the selection by `delta` rows; the viewport follows it. */
  move(delta: number): void {
    if (this.rows.length === 0) return;
    this.ensure(this.sel + delta);
    this.sel = clamp(this.sel + delta, 0, this.rows.length - 1);
    this.follow();
    this.trim();
  }

  /** Scroll by `delta` rows (a page), the selection keeping its place on the screen. */
  scroll(delta: number): void {
    if (this.rows.length === 0) return;
    const onScreen = this.sel - this.top;
    this.ensure(this.sel + delta);
    this.ensure(this.top + delta + this.height - 1);
    const sel = clamp(this.sel + delta, 0, this.rows.length - 1);
    this.sel = sel;
    this.top = clamp(sel - onScreen, 0, Math.max(0, this.rows.length - this.height));
    this.follow();
    this.trim();
  }

  resize(height: number): void {
    this.height = Math.max(1, height);
    this.ensure(this.top + this.height - 1);
    this.follow();
  }

  /**
   * Read the window again around the selected row (new rows arrived, or a new source: another
   * sort or filter). The selected row stays selected and on the same screen line when it is
   * still in the list; when it is not, `keepPlace` decides: select the row that follows it
   * (live updates), or start again from the top. `fromTop` starts from the top at once.
   */
  refresh(source: PageSource<R> = this.source, keepPlace = true, fromTop = false): void {
    const anchor = this.rows[this.sel];
    this.source = source;
    if (fromTop || this.sel >= this.rows.length) return this.load();
    const onScreen = this.sel - this.top;
    const id = source.id(anchor);
    const after = source.from(anchor, this.height - onScreen + this.page);
    const present = after.length > 0 && source.id(after[0]) === id;
    if (!present && !keepPlace) return this.load();
    // the selected row was the last and is gone: show the end of the list
    if (after.length === 0) return this.end();
    const before = source.before(after[0], onScreen + this.page);
    this.rows = [...before, ...after];
    this.sel = before.length;
    this.top = Math.max(0, this.sel - onScreen);
    this.moreBefore = before.length >= onScreen + this.page;
    this.moreAfter = after.length >= this.height - onScreen + this.page;
    // near the end of the list: fill the screen from above
    this.top = clamp(this.top, 0, Math.max(0, this.rows.length - this.height));
    this.follow();
  }

  /** Make rows[index] exist if the source has it (fetching in the direction of `index`). */
  private ensure(index: number): void {
    while (index >= this.rows.length && this.moreAfter) {
      const want = Math.max(this.page, index - this.rows.length + 1);
      const got = this.source.after(this.rows[this.rows.length - 1], want);
      if (got.length < want) this.moreAfter = false;
      this.rows.push(...got);
      if (got.length === 0) break;
    }
    while (index < 0 && this.moreBefore) {
      const want = Math.max(this.page, -index);
      const got = this.source.before(this.rows[0], want);
      if (got.length < want) this.moreBefore = false;
      this.rows.unshift(...got);
      this.sel += got.length;
      this.top += got.length;
      index += got.length;
      if (got.length === 0) break;
    }
  }

  /** Scroll so the selection is on screen. */
  private follow(): void {
    if (this.sel < this.top) this.top = this.sel;
    if (this.sel >= this.top + this.height) this.top = this.sel - this.height + 1;
    this.top = clamp(this.top, 0, Math.max(0, this.rows.length - 1));
  }

  /** Drop rows far from the viewport so the window stays bounded. */
  private trim(): void {
    const excess = this.rows.length - this.maxRows;
    if (excess <= 0) return;
    const headroom = this.top;
    const tailroom = this.rows.length - (this.top + this.height);
    if (headroom >= tailroom) {
      const n = Math.min(excess, headroom);
      this.rows.splice(0, n);
      this.sel -= n;
      this.top -= n;
      if (n > 0) this.moreBefore = true;
    } else {
      const n = Math.min(excess, tailroom);
      this.rows.splice(this.rows.length - n, n);
      if (n > 0) this.moreAfter = true;
    }
  }

  /** Rows held (for tests of the memory bound). */
  get held(): number {
    return this.rows.length;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
