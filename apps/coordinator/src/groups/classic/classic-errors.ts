/** Kafka error codes of the classic group protocol that Fjord's own protocol does not use. */
export const ClassicErrorCode = {
  NONE: 0,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
} as const;

/** An error code with the message explaining it. */
export interface ClassicOutcome {
  errorCode: number;
  errorMessage: string;
}

export const ok: ClassicOutcome = { errorCode: ClassicErrorCode.NONE, errorMessage: '' };
