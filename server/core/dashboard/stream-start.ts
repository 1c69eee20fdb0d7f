// Where a live log stream starts: after the last line the browser has (its Last-Event-ID, sent when it
// reconnects), else at the `from` line the page asked for, else at the first line. Null: not a line number.

const LINE_NUMBER = /^[0-9]{1,9}$/;

export function streamStart(lastEventId: string | undefined, from: string | undefined): number | null {
  if (lastEventId !== undefined && lastEventId !== '') return LINE_NUMBER.test(lastEventId) ? Number(lastEventId) + 1 : null;
  if (from !== undefined) return LINE_NUMBER.test(from) ? Number(from) : null;
  return 0;
}

/** One server-sent event (the data is one line of JSON, so it needs no splitting). */
export function serverSentEvent(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
