// The parts of Hugging Face `tokenizer.json` (format version 1.0, as `tokenizers` writes it)
// that marsim reads. Components whose `type` marsim does not implement decode as
// `.unsupported` with their JSON path, so that loading can name them; nothing else of theirs
// is read.

/// A whole `tokenizer.json`. `truncation` and `padding` are not read: marsim encodes whole
/// texts, one at a time.
struct TokenizerJSON: Decodable {
    var addedTokens: [AddedTokenJSON]
    var normalizer: NormalizerJSON?
    var preTokenizer: PreTokenizerJSON?
    var postProcessor: PostProcessorJSON?
    var decoder: DecoderJSON?
    var model: ModelJSON

    enum CodingKeys: String, CodingKey {
        case addedTokens = "added_tokens", normalizer, preTokenizer = "pre_tokenizer"
        case postProcessor = "post_processor", decoder, model
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        addedTokens = try container.decodeIfPresent([AddedTokenJSON].self, forKey: .addedTokens) ?? []
        normalizer = try container.decodeIfPresent(NormalizerJSON.self, forKey: .normalizer)
        preTokenizer = try container.decodeIfPresent(PreTokenizerJSON.self, forKey: .preTokenizer)
        postProcessor = try container.decodeIfPresent(PostProcessorJSON.self, forKey: .postProcessor)
        self.decoder = try container.decodeIfPresent(DecoderJSON.self, forKey: .decoder)
        model = try container.decode(ModelJSON.self, forKey: .model)
    }
}

/// One entry of `added_tokens`. The flags default as in `tokenizers` when absent.
struct AddedTokenJSON: Decodable {
    var id: Int
    var content: String
    var singleWord: Bool
    var lstrip: Bool
    var rstrip: Bool
    var normalized: Bool
    var special: Bool

    enum CodingKeys: String, CodingKey {
        case id, content, singleWord = "single_word", lstrip, rstrip, normalized, special
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int.self, forKey: .id)
        content = try container.decode(String.self, forKey: .content)
        singleWord = try container.decodeIfPresent(Bool.self, forKey: .singleWord) ?? false
        lstrip = try container.decodeIfPresent(Bool.self, forKey: .lstrip) ?? false
        rstrip = try container.decodeIfPresent(Bool.self, forKey: .rstrip) ?? false
        special = try container.decodeIfPresent(Bool.self, forKey: .special) ?? false
        // tokenizers: special tokens default to not normalized, others to normalized.
        normalized = try container.decodeIfPresent(Bool.self, forKey: .normalized) ?? !special
    }
}

/// The `"type"` key every component carries.
private enum TypeKey: String, CodingKey {
    case type
}

/// The dotted JSON path of a decoder's position, e.g. `pre_tokenizer.pretokenizers[1]`.
func jsonPath(_ codingPath: [any CodingKey]) -> String {
    var path = ""
    for key in codingPath {
        if let index = key.intValue {
            path += "[\(index)]"
        } else {
            path += path.isEmpty ? key.stringValue : "." + key.stringValue
        }
    }
    return path
}

/// `normalizer`: marsim implements none; an empty `Sequence` is accepted as no normalizer.
indirect enum NormalizerJSON: Decodable {
    case sequence([NormalizerJSON])
    case unsupported(type: String, path: String)

    enum CodingKeys: String, CodingKey { case normalizers }

    init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        if type == "Sequence" {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self = .sequence(try container.decode([NormalizerJSON].self, forKey: .normalizers))
        } else {
            self = .unsupported(type: type, path: jsonPath(decoder.codingPath))
        }
    }
}

/// `pre_tokenizer`: `Split`, `ByteLevel`, or a `Sequence` of pre-tokenizers.
indirect enum PreTokenizerJSON: Decodable {
    case split(pattern: SplitPatternJSON, behavior: String, invert: Bool, path: String)
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool, path: String)
    case sequence([PreTokenizerJSON])
    case unsupported(type: String, path: String)

    enum CodingKeys: String, CodingKey {
        case pattern, behavior, invert, addPrefixSpace = "add_prefix_space", useRegex = "use_regex"
        case pretokenizers
    }

    init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = jsonPath(decoder.codingPath)
        switch type {
        case "Split":
            self = .split(
                pattern: try container.decode(SplitPatternJSON.self, forKey: .pattern),
                behavior: try container.decode(String.self, forKey: .behavior),
                invert: try container.decodeIfPresent(Bool.self, forKey: .invert) ?? false,
                path: path)
        case "ByteLevel":
            self = .byteLevel(
                addPrefixSpace: try container.decodeIfPresent(Bool.self, forKey: .addPrefixSpace) ?? true,
                useRegex: try container.decodeIfPresent(Bool.self, forKey: .useRegex) ?? true,
                path: path)
        case "Sequence":
            self = .sequence(try container.decode([PreTokenizerJSON].self, forKey: .pretokenizers))
        default:
            self = .unsupported(type: type, path: path)
        }
    }
}

/// A `Split` pattern: `{"Regex": "…"}` or `{"String": "…"}`.
enum SplitPatternJSON: Decodable {
    case regex(String)
    case string(String)

    enum CodingKeys: String, CodingKey {
        case regex = "Regex", string = "String"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let regex = try container.decodeIfPresent(String.self, forKey: .regex) {
            self = .regex(regex)
        } else {
            self = .string(try container.decode(String.self, forKey: .string))
        }
    }
}

/// `post_processor`: `TemplateProcessing`, `ByteLevel` (changes offsets only), or a
/// `Sequence` of processors.
indirect enum PostProcessorJSON: Decodable {
    case template(single: [TemplatePieceJSON], specialTokens: [String: SpecialTokenJSON], path: String)
    case byteLevel
    case sequence([PostProcessorJSON])
    case unsupported(type: String, path: String)

    enum CodingKeys: String, CodingKey {
        case single, specialTokens = "special_tokens", processors
    }

    init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch type {
        case "TemplateProcessing":
            self = .template(
                single: try container.decode([TemplatePieceJSON].self, forKey: .single),
                specialTokens: try container.decodeIfPresent([String: SpecialTokenJSON].self, forKey: .specialTokens) ?? [:],
                path: jsonPath(decoder.codingPath))
        case "ByteLevel":
            self = .byteLevel
        case "Sequence":
            self = .sequence(try container.decode([PostProcessorJSON].self, forKey: .processors))
        default:
            self = .unsupported(type: type, path: jsonPath(decoder.codingPath))
        }
    }
}

/// One piece of a template: `{"SpecialToken": {"id": …}}` or `{"Sequence": {"id": "A"}}`.
enum TemplatePieceJSON: Decodable {
    case specialToken(String)
    case sequence(String)

    enum CodingKeys: String, CodingKey {
        case specialToken = "SpecialToken", sequence = "Sequence"
    }

    private struct Reference: Decodable {
        var id: String
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let special = try container.decodeIfPresent(Reference.self, forKey: .specialToken) {
            self = .specialToken(special.id)
        } else {
            self = .sequence(try container.decode(Reference.self, forKey: .sequence).id)
        }
    }
}

/// An entry of a template's `special_tokens`: the ids a `SpecialToken` piece expands to.
struct SpecialTokenJSON: Decodable {
    var ids: [Int]
}

/// `decoder`: `ByteLevel`, or a `Sequence` of decoders.
indirect enum DecoderJSON: Decodable {
    case byteLevel
    case sequence([DecoderJSON])
    case unsupported(type: String, path: String)

    enum CodingKeys: String, CodingKey { case decoders }

    init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        switch type {
        case "ByteLevel":
            self = .byteLevel
        case "Sequence":
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self = .sequence(try container.decode([DecoderJSON].self, forKey: .decoders))
        default:
            self = .unsupported(type: type, path: jsonPath(decoder.codingPath))
        }
    }
}

/// `model`: a BPE model, or another model type marsim does not read further.
enum ModelJSON: Decodable {
    case bpe(BPEModelJSON)
    case unsupported(type: String)

    init(from decoder: any Decoder) throws {
        // tokenizers writes "type"; files without it are BPE when they have merges.
        let container = try decoder.container(keyedBy: BPEModelJSON.CodingKeys.self)
        let type = try container.decodeIfPresent(String.self, forKey: .type)
            ?? (container.contains(.merges) ? "BPE" : "(none)")
        self = type == "BPE" ? .bpe(try BPEModelJSON(from: decoder)) : .unsupported(type: type)
    }
}

/// A BPE `model`. Merges come as `["a", "b"]` pairs or as `"a b"` strings.
struct BPEModelJSON: Decodable {
    var vocab: [String: Int]
    var merges: [MergeJSON]
    var ignoreMerges: Bool
    var unkToken: String?
    var fuseUnk: Bool
    var byteFallback: Bool
    var dropout: Double?
    var continuingSubwordPrefix: String?
    var endOfWordSuffix: String?

    enum CodingKeys: String, CodingKey {
        case type, vocab, merges, ignoreMerges = "ignore_merges", unkToken = "unk_token", fuseUnk = "fuse_unk"
        case byteFallback = "byte_fallback", dropout, continuingSubwordPrefix = "continuing_subword_prefix"
        case endOfWordSuffix = "end_of_word_suffix"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        vocab = try container.decode([String: Int].self, forKey: .vocab)
        merges = try container.decodeIfPresent([MergeJSON].self, forKey: .merges) ?? []
        ignoreMerges = try container.decodeIfPresent(Bool.self, forKey: .ignoreMerges) ?? false
        unkToken = try container.decodeIfPresent(String.self, forKey: .unkToken)
        fuseUnk = try container.decodeIfPresent(Bool.self, forKey: .fuseUnk) ?? false
        byteFallback = try container.decodeIfPresent(Bool.self, forKey: .byteFallback) ?? false
        dropout = try container.decodeIfPresent(Double.self, forKey: .dropout)
        continuingSubwordPrefix = try container.decodeIfPresent(String.self, forKey: .continuingSubwordPrefix)
        endOfWordSuffix = try container.decodeIfPresent(String.self, forKey: .endOfWordSuffix)
    }
}

/// One merge rule, from either spelling: `["a", "b"]` or `"a b"`. `parts` holds what the
/// file says; loading checks that there are two.
struct MergeJSON: Decodable {
    var parts: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let line = try? container.decode(String.self) {
            parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        } else {
            parts = try container.decode([String].self)
        }
    }
}
