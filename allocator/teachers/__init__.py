"""The teacher stage (交流轮岗): the roster as groups of interchangeable teachers, the
rotation model, its LP relaxation with pricing, a greedy warm start, CP-SAT, the `teachers`
section of the result and the explanation of every rule left short."""
