// Failures of the built-in EDMS that a retry cannot fix; `code` tells the caller which one.
export type EdmsErrorCode =
  /** The message registry has no row with the given id. */
  | 'unknownMessage'
  | 'unknownCard'
  /** A passport refers to a resource the package does not hold. */
  | 'incompletePackage'
  /** An addressee's SEV index is not in the participant directory. */
  | 'unknownAddressee'
  | 'noJournal'
  /** A caller's input is not valid (a date that is no date, an outgoing card without addressees). */
  | 'invalidInput'
  /** The card is not in a state the operation applies to (e.g. rejecting a registered card). */
  | 'wrongCardState'
  /** The message is not of a kind the operation handles (e.g. registering an AddToDoc). */
  | 'wrongMessageKind';

export class EdmsError extends Error {
  override name = 'EdmsError';
  constructor(
    readonly code: EdmsErrorCode,
    message: string,
  ) {
    super(message);
  }
}
