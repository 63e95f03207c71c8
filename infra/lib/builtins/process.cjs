// Bundled in place of ESM imports of node:process (see BUILTINS_BY_REQUIRE in ../bundling.ts).
module.exports = require('process')
