import type pg from "pg";

/**
 * What a database's schema is, as text that two databases can be compared by: tables, columns (type,
 * default, nullability, in order), indexes, constraints, triggers, functions (their whole definition),
 * views, sequences, enums and extensions of the application's schema. Migration bookkeeping (the
 * drizzle schema) is left out: it records how a database got there, not what it is.
 */
export async function catalogDump(client: pg.Client | pg.Pool, schema = "public"): Promise<Record<string, string[]>> {
  const lines = async (query: string, params: unknown[] = [schema]) => (await client.query<{ line: string }>(query, params)).rows.map((r) => r.line);
  return {
    relations: await lines(`
      select c.relkind::text || ' ' || c.relname as line from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') order by 1`),
    columns: await lines(`
      select c.relname || '.' || row_number() over (partition by c.oid order by a.attnum) || ' ' || a.attname || ' ' ||
             format_type(a.atttypid, a.atttypmod) || case when a.attnotnull then ' not null' else '' end ||
             coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') ||
             case when a.attidentity <> '' then ' identity ' || a.attidentity::text else '' end ||
             case when a.attgenerated <> '' then ' generated ' || a.attgenerated::text else '' end ||
             coalesce(' collate ' || nullif(co.collname, 'default'), '') as line
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      left join pg_collation co on co.oid = a.attcollation and a.attcollation <> 0
      where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped
      order by 1`),
    indexes: await lines(`select indexdef as line from pg_indexes where schemaname = $1 order by 1`),
    constraints: await lines(`
      select cl.relname || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid, true) as line
      from pg_constraint co join pg_class cl on cl.oid = co.conrelid join pg_namespace n on n.oid = co.connamespace
      where n.nspname = $1 order by 1`),
    triggers: await lines(`
      select pg_get_triggerdef(t.oid, true) || ' enabled=' || t.tgenabled::text as line
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and not t.tgisinternal order by 1`),
    functions: await lines(`
      select case when p.prokind in ('f', 'p', 'w') then pg_get_functiondef(p.oid) else p.oid::regprocedure::text || ' kind ' || p.prokind::text end as line
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = $1 order by p.oid::regprocedure::text`),
    views: await lines(`
      select c.relname || ': ' || pg_get_viewdef(c.oid, true) as line from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('v', 'm') order by 1`),
    sequences: await lines(`
      select sequencename || ' ' || data_type || ' start ' || start_value || ' increment ' || increment_by || ' min ' || min_value ||
             ' max ' || max_value || ' cycle ' || cycle as line
      from pg_sequences where schemaname = $1 order by 1`),
    enums: await lines(`
      select t.typname || ': ' || string_agg(e.enumlabel, ', ' order by e.enumsortorder) as line
      from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace
      where n.nspname = $1 group by t.typname order by 1`),
    extensions: await lines(`
      select x.extname || ' ' || x.extversion as line from pg_extension x order by 1`, []),
  };
}
