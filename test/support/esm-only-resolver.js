/**
 * Jest loads tests as CommonJS (jest.config.js), so dependencies that ship ES modules only must be
 * turned into CommonJS by SWC, and Jest's resolver, which asks packages for their `require` export,
 * must ask these for their `import` export (kubernetes-models 5 and what it imports have no other).
 * Everything else resolves exactly as Jest's default does.
 */
const ESM_ONLY_PACKAGES = ['kubernetes-models', '@kubernetes-models/[^/]+', 'is-cidr', 'cidr-regex', 'cookie'];
const packages = `(${ESM_ONLY_PACKAGES.join('|')})`;
const bareImport = new RegExp(`^${packages}(/|$)`);

module.exports = (request, options) =>
  options.defaultResolver(request, bareImport.test(request) ? { ...options, conditions: ['import', 'default'] } : options);

/** For jest.config.js: files of these packages, to transform, and node_modules otherwise, to leave alone. */
module.exports.esmOnlyFile = `/node_modules/${packages}/.+\\.js$`;
module.exports.otherNodeModules = `/node_modules/(?!${packages}/)`;
