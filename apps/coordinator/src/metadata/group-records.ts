import type { GroupState } from './group-state.js';
import type { GroupDeleteRecord, GroupOffsetCommitRecord, GroupUpdateRecord } from './records.js';
import { type MetadataState, topicIdByName } from './state.js';

type GroupRecord = GroupUpdateRecord | GroupOffsetCommitRecord | GroupDeleteRecord;

/** The groups of a state; snapshots written before consumer groups existed have none. */
export function groupsOf(state: MetadataState): Record<string, GroupState> {
  return state.groups ?? {};
}

/** A group by id, if it exists. */
export function groupById(state: MetadataState, groupId: string): GroupState | undefined {
  const groups = groupsOf(state);
  // Own properties only: a group id may be `constructor` or `__proto__`.
  return Object.hasOwn(groups, groupId) ? groups[groupId] : undefined;
}

/**
 * Every group's committed offsets of the topic `name`, dropped: applied with DeleteTopic, so
 * a topic recreated under the same name starts without the old one's offsets (Kafka deletes
 * them with the topic too). Groups without such offsets are shared unchanged.
 */
export function dropTopicOffsets(
  groups: Readonly<Record<string, GroupState>>,
  name: string,
): Record<string, GroupState> {
  let changed: Record<string, GroupState> | undefined;
  for (const [groupId, group] of Object.entries(groups)) {
    if (group.offsets[name] === undefined) continue;
    const { [name]: _dropped, ...offsets } = group.offsets;
    changed ??= { ...groups };
    changed[groupId] = { ...group, offsets };
  }
  return changed ?? groups;
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
      const existing = groupById(state, record.group.groupId);
      const group: GroupState = { ...structuredClone(record.group), offsets: existing?.offsets ?? {} };
      return { ...state, groups: { ...groups, [group.groupId]: group } };
    }
    case 'GroupOffsetCommit': {
      const existing = groupById(state, record.groupId);
      if (!existing)
        throw new Error(`cannot apply GroupOffsetCommit: group ${record.groupId} does not exist`);
      const offsets = { ...existing.offsets };
      for (const o of record.offsets) {
        // A commit planned before its topic was deleted must not outlive the topic.
        if (topicIdByName(state, o.topic) === undefined) continue;
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
