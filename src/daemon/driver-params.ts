/**
 * The drivers' own parameter checks as the operator backend's ParamsValidator, so a resource
 * with bad driver parameters is refused when it is added, not when the LRM first starts it.
 */
import type { ResourceDriver } from './driver';
import { LabDriver } from './lab-driver';
import type { ParamsValidator } from './operator-backend';
import { VmDriver } from './vm-driver';

export function driverParamsValidator(drivers: ResourceDriver[]): ParamsValidator {
  return (sid, params) => {
    const colon = sid.indexOf(':');
    const type = sid.slice(0, colon);
    const driver = drivers.find((d) => d.type === type);
    if (driver === undefined) throw new Error(`this node has no driver for ${type} resources`);
    if (driver instanceof LabDriver) driver.validate(params);
    else if (driver instanceof VmDriver) driver.validate(sid.slice(colon + 1), params);
  };
}
