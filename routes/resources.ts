// The route modules of the tenant-scoped resources (src/resources.ts lists their repositories): src/app.ts registers every one, so a new resource adds a line here, not an edit there.
import orders from './orders/index.js'
import projects from './projects/index.js'

/** Static, not a directory scan: the Lambda bundle is one file. */
export const resourceRoutes = [orders, projects]
