import type { MetadataState } from './state.js';

/**
 * A broker asked for a controlled shutdown: from now until it registers again it is not
 * elected leader anywhere (its leaderships and ISR memberships are moved by the
 * ChangePartition records appended with this one).
 */
export interface BrokerControlledShutdownRecord {
  v: 1;
  type: 'BrokerControlledShutdown';
  brokerId: number;
}

/** Applies {@link BrokerControlledShutdownRecord}; `inconsistent` builds the error for a bad log. */
export function applyBrokerControlledShutdown(
  state: MetadataState,
  record: BrokerControlledShutdownRecord,
  inconsistent: (reason: string) => Error,
): MetadataState {
  const key = String(record.brokerId);
  const broker = state.brokers[key];
  if (!broker) throw inconsistent(`broker ${record.brokerId} is not registered`);
  return { ...state, brokers: { ...state.brokers, [key]: { ...broker, inControlledShutdown: true } } };
}
