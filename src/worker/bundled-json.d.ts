// The Worker bundles dist/web.json (`npm run build:library`: the widget and console code). Its
// type is declared, not inferred: the Worker reads it as WebAssets, and inferring a type for a
// quarter megabyte of code would slow every type check.
declare module '*.json' {
  const value: unknown;
  export default value;
}
