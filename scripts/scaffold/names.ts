import { pascalCase } from '../../infra/config/naming';

/** The spellings of a scaffolded service's name: `stock-alerts` in paths, `stockAlerts` and `StockAlerts` in code, `stock_alerts` in SQL. */
export interface Names {
  /** As given: a DNS label, e.g. `stock-alerts`. */
  readonly kebab: string;
  readonly camel: string;
  readonly pascal: string;
  readonly snake: string;
}

export function namesOf(name: string): Names {
  const pascal = pascalCase(name);
  return { kebab: name, camel: pascal[0].toLowerCase() + pascal.slice(1), pascal, snake: name.replace(/-/g, '_') };
}
