import MarsimCore

/// Which of `Counter.all` a trace stores, by the names in its `counter_fields`: a file written
/// before a counter existed lacks it, and its value is rebuilt (`Counter.derivedWhenAbsent`) or 0.
struct StoredCounters {
    /// The file's `counter_fields`, in its order (the columns of `dense_baseline`).
    let fileFields: [String]
    /// Per counter of `Counter.all`, its column in the file, or nil when the file lacks it.
    let columns: [Int?]

    init(fileFields: [String]) {
        self.fileFields = fileFields
        columns = Counter.all.map { counter in
            fileFields.firstIndex(of: counter.name) ?? fileFields.firstIndex { counter.isNamed($0) }
        }
    }

    /// The counters the file stores, in `Counter.all` order.
    var present: [Counter] { zip(Counter.all, columns).compactMap { $1 == nil ? nil : $0 } }

    /// The name `counter` has in the file (its former name in a file written before a rename).
    func fileName(of counter: Counter) -> String {
        Counter.all.firstIndex { $0.name == counter.name }.flatMap { columns[$0] }.map { fileFields[$0] } ?? counter.name
    }

    /// Whether the file stores the counter named `name`.
    func stores(_ name: String) -> Bool { present.contains { $0.isNamed(name) } }

    /// Counts from one row of the file's values (in `fileFields` order), absent counters rebuilt.
    func counts(fileRow: (Int) -> Int, neuron: NeuronRecord) -> ActivityCounts {
        var c = ActivityCounts()
        for (counter, column) in zip(Counter.all, columns) {
            if let column { c[keyPath: counter.field] = fileRow(column) }
        }
        for (counter, column) in zip(Counter.all, columns) where column == nil {
            c[keyPath: counter.field] = Counter.derivedWhenAbsent(counter.name, c, neuron) ?? 0
        }
        return c
    }
}
