import type { GroupState } from './group-state.js';
import type { GroupDeleteRecord, GroupOffsetCommitRecord, GroupUpdateRecord } from './records.js';
import type { MetadataState } from './state.js';

type GroupRecord = GroupUpdateRecord | GroupOffsetCommitRecord | GroupDeleteRecord;

/** The groups of a state; snapshots written before consumer groups existed have none. */
export function groupsOf(state: MetadataState): Record<string, GroupState> {
  return state.groups ?? {};
}

/** A group by id, if it exists. */
export function groupById(state: MetadataState, groupId: string): GroupState | undefined {
  return groupsOf(state)[groupId];
}

/**
 * Applies a consumer-group record (part of the metadata state machine, see apply.ts). Pure:
 * decisions (assignments, epochs, which offsets move) were taken before the record was
 * appended, so applying only stores them.
 */
export function applyGroupRecord(state: MetadataState, record: GroupRecord): MetadataState {
  const groups = groupsOf(state);
  switch (record.type) {
    case 'GroupUpdate': {
      const existing = groups[record.group.groupId];
      const group: GroupState = { ...structuredClone(record.group), offsets: existing?.offsets ?? {} };
      return { ...state, groups: { ...groups, [group.groupId]: group } };
    }
    case 'GroupOffsetCommit': {
      const existing = groups[record.groupId];
      if (!existing)
        throw new Error(`cannot apply GroupOffsetCommit: group ${record.groupId} does not exist`);
      const offsets = { ...existing.offsets };
      for (const o of record.offsets) {
        offsets[o.topic] = {
          ...offsets[o.topic],
          [String(o.partition)]: { offset: o.offset, metadata: o.metadata },
        };
      }
      return { ...state, groups: { ...groups, [record.groupId]: { ...existing, offsets } } };
    }
    case 'GroupDelete': {
      const { [record.groupId]: _deleted, ...rest } = groups;
      return { ...state, groups: rest };
    }
  }
}
