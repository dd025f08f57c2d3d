export type { Comparator, Comparison, DatasetRef, FieldKind, FilterExpr, Junction, OrderClause } from './ast';
export type { SearchEntity } from './entities';
export { type DatasetInput, matches, type SearchSubject } from './evaluate';
export { attributeHints } from './hints';
export { type LoggedModelOrderBy, orderComparator, parseLoggedModelOrderBy, parseOrderBy } from './order-by';
export { maxResultsFor, type PageRequest, paginate, type SearchPage, type SearchQuery } from './paging';
export { parseFilter } from './parse-filter';
export { printFilter } from './print-filter';
