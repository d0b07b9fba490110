import MarsimCLI

MarsimCommand.main()
