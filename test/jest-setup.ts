// jest ignores `testTimeout` inside `projects`: integration tests start real servers.
import { jest } from '@jest/globals';

jest.setTimeout(120_000);
