/**
 * The pre-scan's checks on one seed file's items (./psql-script.ts), before anything runs:
 * its own transaction lines must fit the seed's one transaction (one outer BEGIN … COMMIT is
 * taken as the seed's own), statements that cannot run in a transaction or in a seed are
 * refused, `pg_dump --create`'s CREATE DATABASE and `\connect` to it are recognised (and
 * later skipped), and an encoding change the reader cannot follow is refused.
 */
import type { SourceStatement } from './batcher.js';
import { classifyStatement } from './classify.js';
import { databaseStatement } from './dump-statements.js';
import { encodingKey } from './encodings.js';
import { encodingChange, notForASeed, refusesTransaction, transactionShape, TRANSACTION_NEXT, type FilePlace } from './errors.js';
import type { ScriptItem } from './psql-script.js';

/** A `\connect` that names a database: fine only if it is the one being seeded (known after the create). */
export interface NamedConnect extends FilePlace {
  target: string;
}

type Outer = 'none' | 'open' | 'closed';
type Pending = SourceStatement & { database: string };

/** What pg_dump writes between its own BEGIN and COMMIT for large objects (blobs). */
const LARGE_OBJECT_DATA = /^SELECT\s+pg_catalog\.(lo_open|lowrite|lo_close)\(/i;

const ONE_DATABASE = 'Seed one database at a time: dump it alone with pg_dump (not pg_dumpall), or remove the other databases from the file.';

/**
 * The checks of one file, item by item, then `end()`.
 * @example
 * const checks = new ScriptChecks(true);
 * for await (const item of scriptItems(source, path, newScriptContext())) checks.check(item);
 * checks.end();
 */
export class ScriptChecks {
  /** Named `\connect`s other than to the dump's own database, for the check after the create. */
  readonly connects: NamedConnect[] = [];
  /** The database `pg_dump --create` made and connected to: its CREATE DATABASE and `\connect` are skipped. */
  dumpDatabase: string | undefined;

  private outer: Outer = 'none';
  private statementsSeen = false;
  private outerBegin: SourceStatement | undefined;
  /** A BEGIN after other statements: fine only around pg_dump's large-object data. */
  private largeObjects: SourceStatement | undefined;
  private pendingCreate: Pending | undefined;
  private pendingDrop: Pending | undefined;

  constructor(private readonly transaction: boolean) {}

  /**
   * The database pg_dump --create made, as far as the file has gone: its DROP or CREATE
   * DATABASE before the `\connect` that confirms it (if none comes, `end` or the next item refuses).
   */
  get ownDatabase(): string | undefined {
    return this.dumpDatabase ?? this.pendingCreate?.database ?? this.pendingDrop?.database;
  }

  /** Throws SEED_UNSUPPORTED for an item the seed cannot run. */
  check(item: ScriptItem): void {
    if (item.kind === 'statement' || item.kind === 'copy-start') this.statement({ sql: item.sql, file: item.file, line: item.line, column: item.column });
    else if (item.kind === 'connect') this.connect(item);
    else if (item.kind === 'encoding') this.encoding(item);
  }

  /** At the end of the file: a BEGIN left open, or a CREATE DATABASE never connected to. */
  end(): void {
    const open = this.outer === 'open' ? this.outerBegin : this.largeObjects;
    if (open) throw transactionShape(open, 'the file opens a transaction it never commits', TRANSACTION_NEXT.unclosed);
    this.settlePending();
  }

  private statement(statement: SourceStatement): void {
    const kind = classifyStatement(statement.sql);
    if (kind.blank) return;
    const database = databaseStatement(statement.sql);
    if (database?.action === 'drop') return this.drop({ ...statement, database: database.name });
    if (database?.action === 'create') return this.create({ ...statement, database: database.name });
    // pg_dump --create: ALTER DATABASE … OWNER TO comes between CREATE DATABASE and \connect.
    if (database && database.name === this.pendingCreate?.database) return;
    this.settlePending();
    if (kind.transactionControl && this.transaction) return this.transactionLine(statement);
    if (this.largeObjects && !LARGE_OBJECT_DATA.test(statement.sql)) {
      throw transactionShape(this.largeObjects, 'the file manages several transactions', TRANSACTION_NEXT.several);
    }
    if (this.outer === 'closed' && this.transaction) {
      throw transactionShape(statement, 'the file runs statements after its COMMIT', TRANSACTION_NEXT.several);
    }
    if (kind.refusesTransaction && this.transaction) throw refusesTransaction(statement, kind.refusesTransaction);
    if (!/^SET\b/i.test(statement.sql)) this.statementsSeen = true;
  }

  /** A DROP or CREATE DATABASE not followed by what pg_dump --clean --create writes after it. */
  private settlePending(): void {
    if (this.pendingDrop) this.refuseDrop(this.pendingDrop);
    if (this.pendingCreate) this.refuseCreate(this.pendingCreate);
  }

  private transactionLine(statement: SourceStatement): void {
    const word = classifyStatement(statement.sql).transactionWord!;
    if (word === 'begin') {
      if (this.outer === 'open' || this.largeObjects) throw transactionShape(statement, 'the file opens a transaction inside its transaction', TRANSACTION_NEXT.nested);
      // Not at the top: pg_dump's large-object data (its own BEGIN … COMMIT), or refused at its next statement.
      if (this.outer === 'closed' || this.statementsSeen) this.largeObjects = statement;
      else {
        this.outer = 'open';
        this.outerBegin = statement;
      }
      return;
    }
    if (word === 'commit') {
      if (this.largeObjects) this.largeObjects = undefined;
      else if (this.outer === 'open') this.outer = 'closed';
      else throw transactionShape(statement, 'the file commits a transaction it did not open', TRANSACTION_NEXT.unopened);
      return;
    }
    throw transactionShape(statement, `the file ${word === 'rollback' ? 'rolls back its own work' : 'prepares a two-phase commit'}`, word === 'rollback' ? TRANSACTION_NEXT.rollback : TRANSACTION_NEXT.prepared);
  }

  /** pg_dump --clean --create: DROP DATABASE comes right before its CREATE DATABASE. */
  private drop(statement: Pending): void {
    this.settlePending();
    this.pendingDrop = statement;
  }

  private create(statement: Pending): void {
    if (this.pendingDrop && this.pendingDrop.database !== statement.database) this.refuseDrop(this.pendingDrop);
    this.pendingDrop = undefined;
    if (this.pendingCreate || (this.dumpDatabase !== undefined && this.dumpDatabase !== statement.database)) {
      throw notForASeed(statement, 'the file creates more than one database', ONE_DATABASE);
    }
    this.pendingCreate = statement;
  }

  private refuseDrop(statement: Pending): never {
    throw notForASeed(statement, `DROP DATABASE ${statement.database} would drop a database on the server`, 'A seed fills the database it was given: remove the line (pg_dump writes it with --clean --create).');
  }

  private refuseCreate(statement: Pending): never {
    throw notForASeed(statement, `CREATE DATABASE ${statement.database} makes another database on the server, and nothing connects to it`, 'A seed fills the database it was given: remove the line (pg_dump writes it with --create, followed by \\connect).');
  }

  private connect(item: ScriptItem & { kind: 'connect' }): void {
    if (this.pendingCreate && item.target === this.pendingCreate.database) {
      this.dumpDatabase = item.target;
      this.pendingCreate = undefined;
      return;
    }
    this.settlePending();
    if (item.target === this.dumpDatabase) return;
    this.connects.push({ file: item.file, line: item.line, column: item.column, target: item.target });
  }

  private encoding(item: ScriptItem & { kind: 'encoding' }): void {
    const { source } = item;
    // A byte-order mark said what the bytes are; the line speaks of an encoding they are no longer in.
    if (source.marked) return;
    const from = encodingKey(source.encoding);
    const to = encodingKey(item.encoding);
    const utf8 = (key: string) => key === 'utf8' || key === 'unicode' || key === 'sqlascii';
    if (from === to || (utf8(from) && utf8(to))) return;
    throw encodingChange(item, source.encoding, item.encoding);
  }
}
