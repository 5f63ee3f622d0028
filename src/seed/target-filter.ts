/**
 * What of a dump the new database can run, decided statement by statement as the seed runs,
 * the way `pg_restore --no-owner --no-privileges` restores into a database of one role:
 * ownership and grants naming roles it does not have (or the seeding role cannot act as) are
 * skipped, as are statements that would act as another role; all are counted and named in one
 * warning. `pg_dump --create`'s statements about its own database apply to the seeded one.
 */
import type { StatementKind } from './classify.js';
import { databaseStatement, roleConcern, type RoleConcern } from './dump-statements.js';
import { quoteIdentifier } from './psql-variables.js';

export interface RoleFacts {
  exists: boolean;
  /** The seeding role is a member of it (may act as it). */
  member: boolean;
}

/** Asks the database about roles (names as they are stored: case-sensitive). */
export type RoleLookup = (names: string[]) => Promise<Map<string, RoleFacts>>;

export interface FilterOptions {
  transaction: boolean;
  /** The database `pg_dump --create` made in its script, as far as the files have been read. */
  dumpDatabase: () => string | undefined;
  /** The seeded database's name. */
  targetDatabase: string;
  /** The seeding role, for the warning. */
  user: string;
}

/** The SQL to look a role up: whether it exists, and whether the session may act as it. */
export const ROLE_LOOKUP_SQL =
  "SELECT n AS name, r.oid IS NOT NULL AS exists, COALESCE(pg_catalog.pg_has_role(r.oid, 'MEMBER'), false) AS member " +
  'FROM pg_catalog.unnest($1::text[]) AS n LEFT JOIN pg_catalog.pg_roles r ON r.rolname = n';

const CHANGES_ROLES = /^\s*(CREATE|DROP)\s+(ROLE|USER|GROUP)\b|^\s*ALTER\s+(ROLE|USER|GROUP)\b[\s\S]*\bRENAME\b/i;

/**
 * Decides statement by statement what the database can run; `warnings()` says what it left out.
 * @example
 * const filter = new TargetFilter({ transaction: true, dumpDatabase: () => undefined, targetDatabase: 'neondb', user: 'neondb_owner' }, lookup, flush);
 * const sql = await filter.decide('ALTER TABLE t OWNER TO postgres;', classifyStatement(…)); // undefined: skipped
 */
export class TargetFilter {
  /** Skipped statements, by what they are (e.g. 'ALTER … OWNER TO postgres'). */
  readonly skipped = new Map<string, number>();
  private readonly notes = new Set<string>();
  private readonly roles = new Map<string, RoleFacts>();

  /** `beforeLookup` sends what is gathered, so a role the seed itself creates is seen. */
  constructor(
    private readonly options: FilterOptions,
    private readonly lookup: RoleLookup,
    private readonly beforeLookup: () => Promise<void>,
  ) {}

  /** The SQL to send for a statement, or undefined to skip it. */
  async decide(sql: string, kind: StatementKind): Promise<string | undefined> {
    // The pre-scan let through only one outer BEGIN … COMMIT: the seed's own transaction is it.
    if (kind.transactionControl && this.options.transaction) return undefined;
    const statement = this.ownDatabase(sql);
    if (statement === undefined) return undefined;
    const concern = roleConcern(statement);
    if (concern && !(await this.allowed(concern))) return undefined;
    if (CHANGES_ROLES.test(statement)) this.roles.clear();
    return statement;
  }

  /** A `\connect` the seed passes over: to the dump's own database, it is worth a note. */
  connect(target: string): void {
    if (target === this.options.dumpDatabase()) this.noteDumpDatabase(target);
  }

  /** pg_dump --create's CREATE/DROP DATABASE are skipped; its other statements about it apply here. */
  private ownDatabase(sql: string): string | undefined {
    const dumpDatabase = this.options.dumpDatabase();
    if (dumpDatabase === undefined) return sql;
    const database = databaseStatement(sql);
    if (database?.name !== dumpDatabase) return sql;
    this.noteDumpDatabase(dumpDatabase);
    if (database.action === 'create' || database.action === 'drop') return undefined;
    return sql.slice(0, database.start) + quoteIdentifier(this.options.targetDatabase) + sql.slice(database.end);
  }

  private noteDumpDatabase(dumpDatabase: string): void {
    const { targetDatabase } = this.options;
    this.notes.add(`The dump was made with pg_dump --create: its CREATE DATABASE ${dumpDatabase} and \\connect ${dumpDatabase} were skipped, and the dump, its database settings included, went into this database (${targetDatabase}).`);
  }

  private async allowed(concern: RoleConcern): Promise<boolean> {
    if (concern.kind === 'session') return this.skip(concern.label);
    if (concern.kind === 'owner') {
      const facts = await this.facts([concern.role]);
      return facts.get(concern.role)!.member || this.skip(`ALTER … OWNER TO ${concern.role}`);
    }
    const facts = await this.facts([...concern.grantees, ...concern.asRoles]);
    const missing = concern.grantees.filter((role) => !facts.get(role)!.exists);
    const notAs = concern.asRoles.filter((role) => !facts.get(role)!.member);
    const named = [...new Set([...missing, ...notAs])];
    return named.length === 0 || this.skip(`${concern.label} naming ${named.join(', ')}`);
  }

  private skip(label: string): false {
    this.skipped.set(label, (this.skipped.get(label) ?? 0) + 1);
    return false;
  }

  private async facts(names: string[]): Promise<Map<string, RoleFacts>> {
    const unknown = [...new Set(names)].filter((name) => !this.roles.has(name));
    if (unknown.length > 0) {
      await this.beforeLookup();
      for (const [name, facts] of await this.lookup(unknown)) this.roles.set(name, facts);
    }
    return this.roles;
  }

  /**
   * One warning naming what was skipped (and the notes), for the summary.
   *
   * @example
   * filter.warnings() // ['Skipped 10 statements … 9× ALTER … OWNER TO postgres, 1× GRANT naming app_reader. …']
   */
  warnings(): string[] {
    const total = [...this.skipped.values()].reduce((sum, n) => sum + n, 0);
    const warnings = [...this.notes];
    if (total === 0) return warnings;
    const what = [...this.skipped].map(([label, count]) => `${count}× ${label}`).join(', ');
    warnings.push(
      `Skipped ${total} statement${total === 1 ? '' : 's'} that need roles this database does not have (or a superuser), as pg_restore --no-owner --no-privileges would: ${what}. ` +
        `The new database has one role, ${this.options.user}, which owns what the seed made; to keep the grants, create those roles (CREATE ROLE …) and run the skipped statements yourself.`,
    );
    return warnings;
  }
}
