/** An exchange's JSON line from a history of several files: its id and its parent's say which file, and the file is named. */
import type { History, HistoryRow } from '../history/history.js';

export function historyJson(history: History, row: HistoryRow, json: Record<string, unknown>): Record<string, unknown> {
  if (!history.tagged) return json;
  const parent = row.x.parent_id;
  return { ...json, id: history.idText(row.file, row.x.id), parent_id: parent === null ? null : history.idText(row.file, parent), file: row.file.path };
}
