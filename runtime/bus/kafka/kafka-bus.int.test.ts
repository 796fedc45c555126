import { makeKafkaBus } from '../../../tests/support/stack.ts';
import { describeBusContract } from '../bus-contract.ts';

describeBusContract('kafka', makeKafkaBus);
