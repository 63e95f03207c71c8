// Bundled in place of ESM imports of node:util (see BUILTINS_BY_REQUIRE in ../bundling.ts).
module.exports = require('util')
