// The review queue's keyboard: which key does what, and when keys must not act (while the
// person types in a field). Pure, so that every rule is covered by keys.test.ts.

export type ReviewCommand = 'next' | 'previous' | 'action' | 'dismiss' | 'escalate' | 'note' | 'undo';

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
}

/** Whether the key went to a field the person types in. */
export function isTyping(target: EventTarget | null): boolean {
  if (typeof Element === 'undefined' || !(target instanceof Element)) return false;
  if (target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]')) return true;
  return false;
}

const PLAIN: Record<string, ReviewCommand> = {
  j: 'next',
  ArrowDown: 'next',
  k: 'previous',
  ArrowUp: 'previous',
  a: 'action',
  d: 'dismiss',
  e: 'escalate',
  n: 'note',
  u: 'undo',
};

/** The command a key press asks for, or `null` (typing, other keys, other shortcuts). */
export function reviewCommand(event: KeyLike): ReviewCommand | null {
  if (isTyping(event.target)) return null;
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'z') return 'undo';
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  return PLAIN[event.key] ?? null;
}

/** The index after moving by `step` in a list of `length`, kept inside it. */
export function moved(index: number, step: number, length: number): number {
  if (length === 0) return 0;
  return Math.min(length - 1, Math.max(0, index + step));
}
