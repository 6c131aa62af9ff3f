/** The sample source API: start it, point SOURCE_BASE_URL at `url`, ask `truth()` afterwards. */
export {
  startSourceApi,
  ENDPOINTS,
  type SourceApi,
  type SourceApiOptions,
  type SourceTruth,
  type EndpointTruth,
  type FaultOptions,
  type Fault,
  type Endpoint,
} from "./server";
export {
  generateDataset,
  branchName,
  serialise,
  RawNumber,
  DATA_PROFILES,
  MESSY_CASES,
  type DataProfile,
  SCALE_PRESETS,
  type Scale,
  type ScalePreset,
  type Dataset,
  type Served,
  type EmployeeEntry,
  type SaleEntry,
} from "./data";
