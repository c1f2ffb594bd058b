/** Every implementation groups the services the same way: this many per Stack / Chart (one namespace each). */
export const SERVICES_PER_STACK = 10;
