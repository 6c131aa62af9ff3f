import "../local/quiet-sdk-notice";
