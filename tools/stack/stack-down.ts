// npm run stack:down — stops what stack:up started (components given through the environment were never ours).
import { removeStackEnv, stopComponents } from './stack-component';
import { allComponents } from './stack';

stopComponents(allComponents.map((c) => c.name))
  .then(() => removeStackEnv())
  .catch((error: Error) => {
    console.error(`stack:down failed: ${error.message}`);
    process.exit(1);
  });
