// GraphiQL with the explorer, against this origin's /graphql (HTTP and WebSocket). Adapted from
// strawberry-graphql's GraphiQL page; a file of its own because the CSP allows no inline script.
// URL parameters: q (the query), variables and headers (e.g. {"Authorization": "Bearer …"}).
"use strict";

const EXAMPLE_QUERY = `# GraphiQL for Concord (development only)
#
# Put your token in the Headers tab: {"Authorization": "Bearer <concord token …>"}
# Run a query with Ctrl-Enter; complete with Ctrl-Space.

{
  crises { id name phase }
}
`;

const parameters = {};
for (const entry of window.location.search.slice(1).split("&")) {
  const eq = entry.indexOf("=");
  if (eq >= 0) {
    parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(entry.slice(eq + 1));
  }
}

function updateURL(data) {
  Object.assign(parameters, data);
  const search = Object.keys(parameters)
    .filter((key) => Boolean(parameters[key]))
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(parameters[key])}`)
    .join("&");
  history.replaceState(null, "", `?${search}`);
}

const fetchURL = window.location.href.split("?")[0];
const subscriptionURL = new URL(fetchURL);
subscriptionURL.protocol = subscriptionURL.protocol === "http:" ? "ws:" : "wss:";
subscriptionURL.hash = "";

const fetcher = GraphiQL.createFetcher({ url: fetchURL, subscriptionUrl: subscriptionURL.toString() });
const explorer = GraphiQLPluginExplorer.explorerPlugin();

function GraphiQLWithExplorer() {
  const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
  const [variables, setVariables] = React.useState(parameters.variables);
  const [headers, setHeaders] = React.useState(parameters.headers);
  return React.createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: true,
    plugins: [explorer],
    query,
    variables,
    headers,
    onEditQuery: (value) => {
      setQuery(value);
      updateURL({ q: value });
    },
    onEditVariables: (value) => {
      setVariables(value);
      updateURL({ variables: value });
    },
    onEditHeaders: setHeaders,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQLWithExplorer));
