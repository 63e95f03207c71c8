// Bundled in place of ESM imports of node:http (see BUILTINS_BY_REQUIRE in ../bundling.ts).
module.exports = require('http')
