import { hostPort } from '@fjord/server-kit';
import { z } from 'zod';

/** One voter of the coordinator quorum, as configured. */
export interface ConfiguredVoter {
  /** The voter's node id (its `--node-id`). */
  id: number;
  /**
   * Its advertised client address (`host:port`): where clients, brokers and the other voters
   * (QuorumService) reach it.
   */
  address: string;
}

/** Quorum sizes the coordinator accepts: odd, so that two halves never both hold a majority. */
export const VOTER_COUNTS: readonly number[] = [1, 3, 5];

const VOTER_PATTERN = /^(\d+)@(.+)$/;

/**
 * `--voters 1@host:port,2@host:port,3@host:port`: every voter's id and advertised address,
 * the same list on every voter. Checked here: each entry's shape, 1, 3 or 5 voters, no id or
 * address twice. (That this node is among them is checked with `--node-id`.)
 */
export const votersSetting = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .transform((value, ctx): ConfiguredVoter[] => {
    const voters: ConfiguredVoter[] = [];
    for (const raw of value.split(',').map((entry) => entry.trim())) {
      const match = VOTER_PATTERN.exec(raw);
      const address = match ? hostPort.safeParse(match[2]) : undefined;
      const id = match ? Number(match[1]) : Number.NaN;
      if (!match || !address?.success || !Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${JSON.stringify(raw)} must be id@host:port with an id >= 1 (e.g. 1@127.0.0.1:7400)`,
        });
        return z.NEVER;
      }
      voters.push({ id, address: address.data });
    }
    if (!VOTER_COUNTS.includes(voters.length)) {
      ctx.addIssue({
        code: 'custom',
        message: `must list ${VOTER_COUNTS.join(', ')} voters, not ${voters.length}`,
      });
    }
    const twice = (values: readonly (string | number)[]) => values.find((v, i) => values.indexOf(v) !== i);
    const sameId = twice(voters.map((v) => v.id));
    if (sameId !== undefined) ctx.addIssue({ code: 'custom', message: `lists voter id ${sameId} twice` });
    const sameAddress = twice(voters.map((v) => v.address));
    if (sameAddress !== undefined) {
      ctx.addIssue({ code: 'custom', message: `lists address ${sameAddress} for two voters` });
    }
    return voters;
  });
