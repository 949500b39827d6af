// The value types the SDK shares with the server live in ScritorioModels; re-exporting them keeps every
// `import ScritorioCore` seeing them as before.
@_exported import ScritorioModels
