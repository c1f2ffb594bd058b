/**
 * Resource presets, matching the values of Bitnami's `resourcesPreset` that users already know.
 * Requests are what the scheduler reserves; limits cap what the container may use.
 */
export const SIZES = {
  nano: { requests: { cpu: '100m', memory: '128Mi', ephemeralStorage: '50Mi' }, limits: { cpu: '150m', memory: '192Mi', ephemeralStorage: '2Gi' } },
  micro: { requests: { cpu: '250m', memory: '256Mi', ephemeralStorage: '50Mi' }, limits: { cpu: '375m', memory: '384Mi', ephemeralStorage: '2Gi' } },
  small: { requests: { cpu: '500m', memory: '512Mi', ephemeralStorage: '50Mi' }, limits: { cpu: '750m', memory: '768Mi', ephemeralStorage: '2Gi' } },
  medium: { requests: { cpu: '500m', memory: '1024Mi', ephemeralStorage: '50Mi' }, limits: { cpu: '750m', memory: '1536Mi', ephemeralStorage: '2Gi' } },
  large: { requests: { cpu: '1', memory: '2048Mi', ephemeralStorage: '50Mi' }, limits: { cpu: '1.5', memory: '3072Mi', ephemeralStorage: '2Gi' } },
  xlarge: { requests: { cpu: '1', memory: '3072Mi', ephemeralStorage: '50Mi' }, limits: { cpu: '3', memory: '6144Mi', ephemeralStorage: '2Gi' } },
  '2xlarge': { requests: { cpu: '1', memory: '3072Mi', ephemeralStorage: '50Mi' }, limits: { cpu: '6', memory: '12288Mi', ephemeralStorage: '2Gi' } },
} as const;

/** The name of a resource preset, smallest first. */
export type SizeName = keyof typeof SIZES;

/** All preset names, smallest first. */
export const SIZE_NAMES = Object.keys(SIZES) as SizeName[];
