import { runApp } from './src/index.js';
import { exampleApp } from './presets/example-app.js';

runApp(exampleApp);
