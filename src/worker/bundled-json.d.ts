// The Worker bundles dist/library.json and dist/web.json (`npm run build:library`). Their types
// are declared, not inferred: inferring one for a megabyte of articles and index costs most of a
// type check, and the Worker reads them through LibraryData and WebAssets anyway.
declare module '*.json' {
  const value: unknown;
  export default value;
}
