from allocator.cli.main import main

main()
