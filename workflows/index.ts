// The worker's only workflowsPath: every workflow is exported from here.
export {};
