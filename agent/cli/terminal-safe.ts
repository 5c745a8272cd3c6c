// What moor prints is safe for a terminal and a CI log: no control characters (terminal
// escapes, CR overwrites, C1 codes, bidi overrides), and no line that a CI runner would take
// for a workflow command (`::error ...`), whatever a commit message or a name holds.

/** C0 except tab and newline, DEL, C1, and the Unicode bidi overrides and isolates. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const WORKFLOW_COMMAND = /^(\s*)::/gm;

/** For text that may span lines (moor's own layout): control characters removed, `::` at a line start broken. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, '').replace(WORKFLOW_COMMAND, '$1: :');
}

/** For one field inside a line (a name, a commit subject, a message): line breaks shown as `\n`. */
export function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '\\n').replace(CONTROL, '');
}
