// npm run stack:down — stops what stack:up started (components given through the environment were never ours).
// `-- --ha` (or STACK_HA=1): the HA shape's instead; the normal stack is left running.
import { removeStackEnv, stopComponents } from './stack-component';
import { allComponents, allHaComponents } from './stack';
import { haStackEnvFile, stackEnvFile, wantsHa } from './stack.config';

const ha = wantsHa(process.env, process.argv.slice(2));
stopComponents((ha ? allHaComponents : allComponents).map((c) => c.name))
  .then(() => removeStackEnv(ha ? haStackEnvFile : stackEnvFile))
  .catch((error: Error) => {
    console.error(`stack:down failed: ${error.message}`);
    process.exit(1);
  });
