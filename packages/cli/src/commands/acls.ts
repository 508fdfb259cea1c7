import type { AclDescription, AclFilter, Admin, DescribeAclsResult } from '@fjord/sdk';
import type { Command } from 'commander';
import { commandTarget, withClient } from '../bootstrap.js';
import { type Io, println } from '../io.js';
import { collect } from '../parse.js';
import { aclBlocks } from './acl-output.js';
import { type AclFlags, aclOperation, planAcls, principal, resourcePatternType } from './acl-plan.js';

/**
 * Registers `fjord acls`, kafka-acls.sh's flags and output: --add, --remove (only with
 * --force: fjord never prompts), --list; `--json` prints the ACLs as JSON instead.
 */
export function registerAcls(program: Command, io: Io, onBootstrap: (bootstrap: string) => void): void {
  const repeatable =
    <T>(parse: (value: string) => T) =>
    (value: string, previous: T[] = []) => [...previous, parse(value)];
  program
    .command('acls')
    .description('add, remove and list ACLs, with the flags of kafka-acls.sh')
    .option('--add', 'add ACLs')
    .option('--remove', 'remove ACLs (needs --force)')
    .option('--list', 'list ACLs (of the named resources, or all)')
    .option(
      '--allow-principal <principal>',
      'principal to allow, e.g. User:alice or User:* (repeatable)',
      repeatable(principal),
    )
    .option('--deny-principal <principal>', 'principal to deny (repeatable)', repeatable(principal))
    .option(
      '--allow-host <host>',
      'host the allowed principals may come from (repeatable; default *)',
      collect,
    )
    .option(
      '--deny-host <host>',
      'host the denied principals are denied from (repeatable; default *)',
      collect,
    )
    .option(
      '--principal <principal>',
      'with --list: only the ACLs of this principal (repeatable)',
      repeatable(principal),
    )
    .option(
      '--operation <operation>',
      'All, Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, ' +
        'IdempotentWrite (repeatable; default All)',
      repeatable(aclOperation),
    )
    .option('--topic <topic>', 'topic (repeatable; * for every topic)', collect)
    .option('--group <group>', 'consumer group (repeatable; * for every group)', collect)
    .option('--cluster', 'the Cluster resource (kafka-cluster)')
    .option('--transactional-id <id>', 'transactional id (repeatable)', collect)
    .option(
      '--resource-pattern-type <type>',
      'literal or prefixed; to filter --list/--remove also match (every ACL that applies) or any (default literal)',
      resourcePatternType,
    )
    .option('--producer', 'the ACLs of a producer: Write, Describe, Create on the topics')
    .option('--idempotent', 'with --producer: also IdempotentWrite on the Cluster')
    .option('--consumer', 'the ACLs of a consumer: Read, Describe on the topics, Read on the groups')
    .option('--force', 'remove without asking (required with --remove: fjord never prompts)')
    .option('-J, --json', 'print JSON: { "acls" | "created" | "deleted": [...] }')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  fjord acls --add --allow-principal User:alice --operation Write --operation Describe --topic orders\n' +
        '  fjord acls --add --allow-principal User:team-a --operation All --topic team-a. --resource-pattern-type prefixed\n' +
        '  fjord acls --list --topic orders --resource-pattern-type match\n' +
        '  fjord acls --remove --allow-principal User:alice --topic orders --force',
    )
    .action(async (flags: AclFlags, command: Command) => {
      const plan = planAcls(flags);
      const target = commandTarget(command, io.env);
      onBootstrap(target.bootstrap);
      await withClient(target, async (fjord) => {
        const admin = fjord.admin();
        if (plan.action === 'add') {
          await admin.createAcls({ acl: plan.bindings });
          const created = plan.bindings as AclDescription[];
          if (flags.json) return println(io.stdout, JSON.stringify({ created }, null, 2));
          println(io.stdout, `${aclBlocks('Adding ACLs', created)}\n`);
          const current = await describeAll(admin, plan.resources);
          if (current.length > 0) println(io.stdout, `${aclBlocks('Current ACLs', current)}\n`);
        } else if (plan.action === 'remove') {
          const result = await admin.deleteAcls({ filters: plan.filters });
          const deleted = unique(result.filterResponses.flatMap((r) => r.matchingAcls));
          if (flags.json) return println(io.stdout, JSON.stringify({ deleted }, null, 2));
          println(
            io.stdout,
            deleted.length === 0 ? 'No ACLs matched.' : `${aclBlocks('Removed ACLs', deleted)}\n`,
          );
        } else {
          const acls = await describeAll(admin, plan.filters);
          if (flags.json) return println(io.stdout, JSON.stringify({ acls }, null, 2));
          if (acls.length > 0) println(io.stdout, `${aclBlocks('Current ACLs', acls)}\n`);
        }
      });
    });
}

async function describeAll(admin: Admin, filters: readonly AclFilter[]): Promise<AclDescription[]> {
  const results = await Promise.all(filters.map((f) => admin.describeAcls(f)));
  return unique(results.flatMap(flatten));
}

/** The ACLs of a describeAcls answer, one object each. */
export function flatten(result: DescribeAclsResult): AclDescription[] {
  return result.resources.flatMap((r) =>
    r.acls.map((a) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      resourcePatternType: r.resourcePatternType,
      ...a,
    })),
  );
}

function unique(acls: readonly AclDescription[]): AclDescription[] {
  const seen = new Map<string, AclDescription>();
  for (const acl of acls) {
    const key = JSON.stringify([
      acl.resourceType,
      acl.resourcePatternType,
      acl.resourceName,
      acl.principal,
      acl.host,
      acl.operation,
      acl.permissionType,
    ]);
    if (!seen.has(key)) seen.set(key, acl);
  }
  return [...seen.values()];
}
