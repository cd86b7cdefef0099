import assert from 'node:assert/strict';
import type { DriverParams, ResourceDriver, ResourceState } from '../../../src/daemon/resources/driver';
import { ResourceRunner } from '../../../src/daemon/resources/runner';
import { defaultResource, type HaConfig } from '../../../src/ha/types';
import { emptyHaConfig } from '../../../src/daemon/store/ha-adapter';

/** The driver seam: records calls with their parameters; `failStart` makes starts fail and leave nothing running. */
class RecordingDriver implements ResourceDriver {
  readonly calls: string[] = [];
  readonly running = new Set<string>();
  failStart = false;
  constructor(readonly type: string) {}
  start(id: string, params: DriverParams): Promise<void> {
    this.calls.push(`start ${id} ${JSON.stringify(params)}`);
    if (this.failStart) return Promise.reject(new Error('no such image'));
    this.running.add(id);
    return Promise.resolve();
  }
  stop(id: string, _params: DriverParams, timeoutMs: number): Promise<void> {
    this.calls.push(`stop ${id} ${timeoutMs}`);
    this.running.delete(id);
    return Promise.resolve();
  }
  migrate(id: string, _params: DriverParams, target: string): Promise<void> {
    this.calls.push(`migrate ${id} ${target}`);
    this.running.delete(id);
    return Promise.resolve();
  }
  status(id: string): Promise<ResourceState> {
    return Promise.resolve(this.running.has(id) ? 'running' : 'stopped');
  }
}

const config: HaConfig = {
  ...emptyHaConfig(),
  resources: { 'lab:web': { ...defaultResource('node1'), params: { address: '10.0.0.9/24' } }, 'vm:100': defaultResource('node1') },
};

describe('resource runner', () => {
  it('routes each service id to the driver of its type with its parameters, and tracks what runs here', async () => {
    const lab = new RecordingDriver('lab');
    const vm = new RecordingDriver('vm');
    const runner = new ResourceRunner([lab, vm], 2500);
    await runner.run('start', 'lab:web', config);
    await runner.run('start', 'vm:100', config);
    assert.deepEqual(runner.running, ['lab:web', 'vm:100']);
    await runner.run('relocate', 'lab:web', config, 'node2');
    await runner.run('migrate', 'vm:100', config, 'node2');
    assert.deepEqual(lab.calls, ['start web {"address":"10.0.0.9/24"}', 'stop web 2500']);
    assert.deepEqual(vm.calls, ['start 100 {}', 'migrate 100 node2']);
    assert.deepEqual(runner.running, []);
  });

  it('names the known types for a service id without a driver', async () => {
    const runner = new ResourceRunner([new RecordingDriver('lab')], 1000);
    await assert.rejects(runner.run('start', 'ct:7', config), /no resource driver for 'ct:7': known types are lab:/);
  });

  it('finds services already running after a restart, and forgets a start that left nothing running', async () => {
    const lab = new RecordingDriver('lab');
    lab.running.add('web');
    const runner = new ResourceRunner([lab], 1000);
    assert.deepEqual(await runner.scan(config), ['vm:100: no resource driver for \'vm:100\': known types are lab:']);
    assert.deepEqual(runner.running, ['lab:web']);
    lab.running.clear();
    await runner.run('stop', 'lab:web', config);
    lab.failStart = true;
    await assert.rejects(runner.run('start', 'lab:web', config), /no such image/);
    assert.deepEqual(runner.running, []);
  });
});

describe('resource runner monitor', () => {
  it('drops a service its driver now reports stopped, and keeps one still running', async () => {
    const lab = new RecordingDriver('lab');
    const vm = new RecordingDriver('vm');
    const runner = new ResourceRunner([lab, vm], 1000);
    await runner.run('start', 'lab:web', config);
    await runner.run('start', 'vm:100', config);
    lab.running.delete('web');
    assert.deepEqual(await runner.monitor(config), { stopped: ['lab:web'], problems: [] });
    assert.deepEqual(runner.running, ['vm:100']);
  });

  it('keeps a service whose status cannot be told, or whose action began while the status was read', async () => {
    const lab = new RecordingDriver('lab');
    const runner = new ResourceRunner([lab], 1000);
    await runner.run('start', 'lab:web', config);
    lab.status = () => Promise.reject(new Error('virsh hangs up'));
    assert.deepEqual(await runner.monitor(config), { stopped: [], problems: ['lab:web: virsh hangs up'] });
    let answer: (state: ResourceState) => void = () => undefined;
    lab.status = () => new Promise((resolve) => { answer = resolve; });
    const monitored = runner.monitor(config);
    await runner.run('start', 'lab:web', config);
    answer('stopped');
    assert.deepEqual(await monitored, { stopped: [], problems: [] });
    assert.deepEqual(runner.running, ['lab:web']);
  });

  it('leaves alone a service with an action under way', async () => {
    const lab = new RecordingDriver('lab');
    const runner = new ResourceRunner([lab], 1000);
    let finish: () => void = () => undefined;
    lab.start = () => new Promise<void>((resolve) => { finish = resolve; });
    const starting = runner.run('start', 'lab:web', config);
    assert.deepEqual(await runner.monitor(config), { stopped: [], problems: [] });
    finish();
    await starting;
    assert.deepEqual(runner.running, ['lab:web']);
  });
});
