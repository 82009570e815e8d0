import { SetMetadata } from '@nestjs/common';

/** Marks a route (or controller) as open without credentials; apps with an auth guard honour it. */
export const PUBLIC_ROUTE = 'fieldline:public-route';
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
