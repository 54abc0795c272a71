import { describe, expect, it } from 'vitest';

import { ListWindow, type PageSource } from '../../src/tui/list-window.js';

/** A sorted list of numbers answered page by page, counting what was asked. */
class NumberPages implements PageSource<number> {
  fetched = 0;
  constructor(public values: number[]) {}
  private at(anchor: number): number {
    return this.values.findIndex((v) => v >= anchor);
  }
  private give(rows: number[]): number[] {
    this.fetched += rows.length;
    return rows;
  }
  first(limit: number) {
    return this.give(this.values.slice(0, limit));
  }
  last(limit: number) {
    return this.give(this.values.slice(Math.max(0, this.values.length - limit)));
  }
  after(anchor: number, limit: number) {
    const i = this.values.findIndex((v) => v > anchor);
    return this.give(i < 0 ? [] : this.values.slice(i, i + limit));
  }
  from(anchor: number, limit: number) {
    const i = this.at(anchor);
    return this.give(i < 0 ? [] : this.values.slice(i, i + limit));
  }
  before(anchor: number, limit: number) {
    let i = this.at(anchor);
    if (i < 0) i = this.values.length;
    return this.give(this.values.slice(Math.max(0, i - limit), i));
  }
  id(row: number) {
    return String(row);
  }
}

const range = (n: number, step = 1) => Array.from({ length: n }, (_, i) => i * step);

function windowOn(values: number[], height = 10) {
  const source = new NumberPages(values);
  const w = new ListWindow(source, height);
  w.load();
  return { w, source, sel: () => w.view().selected, visible: () => w.view().visible };
}

describe('ListWindow: a bounded window of rows around the selection', () => {
  it('loads the first screen and moves the selection, scrolling to keep it visible', () => {
    const { w, sel, visible } = windowOn(range(100));
    expect(visible()).toEqual(range(10));
    expect(w.view()).toMatchObject({ selectedIndex: 0, atStart: true, atEnd: false, moreAfter: true });
    w.move(1);
    expect(sel()).toBe(1);
    w.move(-5);
    expect(sel()).toBe(0);
    w.move(12);
    expect(sel()).toBe(12);
    expect(visible()).toEqual(range(10).map((i) => i + 3));
    expect(w.view().selectedIndex).toBe(9);
  });

  it('pages by a screen, the selection keeping its line, and stops at both ends', () => {
    const { w, sel, visible } = windowOn(range(95));
    w.move(3);
    w.scroll(10);
    expect(sel()).toBe(13);
    expect(visible()[0]).toBe(10);
    for (let i = 0; i < 20; i++) w.scroll(10);
    expect(sel()).toBe(94);
    expect(visible()).toEqual(range(10).map((i) => i + 85));
    expect(w.view().atEnd).toBe(true);
    for (let i = 0; i < 20; i++) w.scroll(-10);
    expect(sel()).toBe(0);
    expect(w.view().atStart).toBe(true);
  });

  it('jumps to the end and back with last() and first(), never walking the rows between', () => {
    const { w, sel, visible, source } = windowOn(range(1_000_000));
    source.fetched = 0;
    w.end();
    expect(sel()).toBe(999_999);
    expect(visible().at(-1)).toBe(999_999);
    w.move(-15);
    expect(sel()).toBe(999_984);
    w.home();
    expect(sel()).toBe(0);
    expect(source.fetched).toBeLessThan(200);
  });

  it('holds a bounded number of rows however far it scrolls', () => {
    const { w, sel } = windowOn(range(100_000), 20);
    for (let i = 0; i < 2000; i++) w.scroll(20);
    expect(sel()).toBe(40_000);
    expect(w.held).toBeLessThanOrEqual(20 * 4 + 64);
    for (let i = 0; i < 1000; i++) w.move(-7);
    expect(sel()).toBe(33_000);
    expect(w.held).toBeLessThanOrEqual(20 * 4 + 64);
  });

  it('keeps the selected row, by identity and on the same screen line, when the list is read again', () => {
    const { w, sel, source, visible } = windowOn(range(50, 10));
    w.move(14); // 140, on line 9
    expect(w.view().selectedIndex).toBe(9);
    // rows were added before and after it (a live session)
    source.values = [...range(50, 10), 5, 135, 145, 1000].sort((a, b) => a - b);
    w.refresh();
    expect(sel()).toBe(140);
    expect(w.view().selectedIndex).toBe(9);
    expect(visible()).toEqual([60, 70, 80, 90, 100, 110, 120, 130, 135, 140]);
    w.move(1);
    expect(sel()).toBe(145);
  });

  it('starts from the top when the selected row is not in a new source (another filter)', () => {
    const { w, sel } = windowOn(range(50));
    w.move(21);
    w.refresh(new NumberPages(range(25, 2)), false);
    expect(sel()).toBe(0);
    w.move(10);
    w.refresh(new NumberPages(range(30, 2)), false);
    expect(sel()).toBe(20);
  });

  it('selects the row that followed a selected row that is gone, when keeping its place', () => {
    const { w, sel } = windowOn(range(50));
    w.move(21);
    w.refresh(new NumberPages(range(25, 2)));
    expect(sel()).toBe(22);
    w.refresh(new NumberPages(range(10)));
    // nothing follows it any more: the end of the list
    expect(sel()).toBe(9);
  });

  it('fills the screen from above when the selection ends up near the end', () => {
    const { w, sel, source, visible } = windowOn(range(30));
    w.end();
    w.move(-2);
    expect(sel()).toBe(27);
    source.values = range(30);
    w.refresh();
    expect(visible()).toEqual(range(10).map((i) => i + 20));
    expect(w.view().selectedIndex).toBe(7);
  });

  it('is empty, and stays usable, when the source has no rows; a resize fetches what now fits', () => {
    const empty = windowOn([]);
    empty.w.move(1);
    empty.w.scroll(10);
    expect(empty.w.view()).toMatchObject({ visible: [], selected: null, selectedIndex: -1 });
    const { w, visible } = windowOn(range(100), 5);
    w.resize(40);
    expect(visible()).toEqual(range(40));
  });
});
