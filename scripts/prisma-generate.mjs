// `npm run prisma:generate`: regenerate the Prisma client now, offline, even if it looks current.
import { generatePrismaClient, installDependencies } from './lib/prepare.mjs';

try {
  installDependencies();
  generatePrismaClient({ force: true });
} catch (err) {
  console.error(`\nnpm run prisma:generate: ${err.message}`);
  process.exit(1);
}
