import type { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { NodeHost } from '../../../src/lab/names';
import { namespacePidsSync, programName } from '../../../src/lab/processes';

/** SIGTERMs one program inside a host (the lab's verbs act on a whole host). */
export function stopProgram(lab: NamespaceLab, host: NodeHost, program: string): void {
  for (const pid of namespacePidsSync(lab.host(host).netns)) {
    if (programName(pid) === program) process.kill(pid, 'SIGTERM');
  }
}
