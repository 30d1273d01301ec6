// The alerts tier (`npm run test:alerts`): promtool rule unit tests generated from both stacks'
// config, with time to fire per scenario and the mutants. Files are kept in dist/alerts/<stack>.
import path from "node:path";
import { defineAlertSuite } from "./suite";

defineAlertSuite({ outRoot: path.resolve(__dirname, "..", "..", "..", "dist", "alerts"), quick: false });
