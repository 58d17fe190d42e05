import { runMain } from '../kit';
import { ordersService } from './service';

runMain(ordersService);
