// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import "./ENSRegistry.sol";

/// @title A public ENS resolver: address (ENSIP-1, ENSIP-9) and text (ENSIP-5) records, written by
/// the name's owner in the registry (or an operator it approved).
/// @notice The records and interface ids of ENS's PublicResolver that clients read: addr(bytes32),
/// addr(bytes32,uint256), text(bytes32,string) and ERC-165 supportsInterface.
contract PublicResolver {
    uint256 private constant COIN_TYPE_ETH = 60;

    ENSRegistry public immutable ens;
    mapping(bytes32 => mapping(uint256 => bytes)) private addresses;
    mapping(bytes32 => mapping(string => string)) private texts;

    event AddrChanged(bytes32 indexed node, address a);
    event AddressChanged(bytes32 indexed node, uint256 coinType, bytes newAddress);
    event TextChanged(bytes32 indexed node, string indexed indexedKey, string key, string value);

    modifier authorised(bytes32 node) {
        address nodeOwner = ens.owner(node);
        require(nodeOwner == msg.sender || ens.isApprovedForAll(nodeOwner, msg.sender), "not the owner of this name");
        _;
    }

    constructor(ENSRegistry registry) {
        ens = registry;
    }

    function setAddr(bytes32 node, address a) external authorised(node) {
        _setAddr(node, COIN_TYPE_ETH, abi.encodePacked(a));
    }

    function setAddr(bytes32 node, uint256 coinType, bytes memory a) external authorised(node) {
        _setAddr(node, coinType, a);
    }

    function addr(bytes32 node) public view returns (address payable) {
        bytes memory a = addresses[node][COIN_TYPE_ETH];
        if (a.length == 0) {
            return payable(address(0));
        }
        return payable(address(bytes20(a)));
    }

    function addr(bytes32 node, uint256 coinType) external view returns (bytes memory) {
        return addresses[node][coinType];
    }

    function setText(bytes32 node, string calldata key, string calldata value) external authorised(node) {
        texts[node][key] = value;
        emit TextChanged(node, key, key, value);
    }

    function text(bytes32 node, string calldata key) external view returns (string memory) {
        return texts[node][key];
    }

    function supportsInterface(bytes4 interfaceID) external pure returns (bool) {
        return interfaceID == 0x01ffc9a7 // ERC-165
            || interfaceID == 0x3b3b57de // addr(bytes32)
            || interfaceID == 0xf1cb7e06 // addr(bytes32,uint256)
            || interfaceID == 0x59d1d43c; // text(bytes32,string)
    }

    function _setAddr(bytes32 node, uint256 coinType, bytes memory a) private {
        emit AddressChanged(node, coinType, a);
        if (coinType == COIN_TYPE_ETH) {
            require(a.length == 20 || a.length == 0, "an Ethereum address is 20 bytes");
            emit AddrChanged(node, a.length == 0 ? address(0) : address(bytes20(a)));
        }
        addresses[node][coinType] = a;
    }
}
