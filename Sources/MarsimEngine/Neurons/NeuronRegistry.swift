/// The neuron models a run can use, by name: one entry per model.
public enum NeuronRegistry {
    /// Every model, in the order help and docs list them.
    public static let models: [any NeuronModel.Type] = [ATMNModel.self, BinaryNeuron.self, LIFNeuron.self, GradedNeuron.self]

    /// The registry names, e.g. for `--neuron`'s help.
    public static var names: [String] { models.map { $0.name } }

    /// Whether `name` is a registered model.
    public static func contains(_ name: String) -> Bool { models.contains { $0.name == name } }

    /// The model `parameters.model` names, built from `parameters`; throws for an unknown name
    /// (listing the known ones) or parameters the model refuses.
    public static func make(_ parameters: NeuronParameters) throws -> any NeuronModel {
        guard let type = models.first(where: { $0.name == parameters.model }) else {
            throw NeuronError("unknown neuron model '\(parameters.model)'; known models: \(names.joined(separator: ", "))")
        }
        return try type.init(parameters: parameters)
    }
}
