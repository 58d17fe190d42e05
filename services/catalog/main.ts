import { runMain } from '../kit';
import { catalogService } from './service';

runMain(catalogService);
